"""Count-based side models that feed the hybrid network: context models and a match model.

They run in numpy over the already coded symbols of every stream, vectorised over streams (one
call per step), and are updated after each step exactly the same way by encoder and decoder.
"""
