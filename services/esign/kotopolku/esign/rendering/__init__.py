"""The plan document: its content in two languages and its PDF rendering."""
