"""The welfare domain: rules without I/O."""
