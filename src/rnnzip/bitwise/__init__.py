"""The bitwise context-mixing engine: the compiled step (kernel.py) and its stages, one module
each (docs/ENGINE.md lists them), the frame's state (state.py) and its loops (model.py)."""
