"""Forms of the intake pages: the portal, tracking and staff contact logging."""
