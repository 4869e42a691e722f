"""The bitwise context-mixing engine: integer tables (tables.py), the compiled coding step
(kernel.py), and a frame's state and loops (model.py)."""
