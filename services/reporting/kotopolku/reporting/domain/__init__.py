"""The reporting service's domain: facts, periods, reports, feedback, suppression and the
national extract. Pure functions and small classes without I/O."""
