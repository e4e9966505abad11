"""Forms of the staff pages, one module per page family (mirrors ``views/``)."""
