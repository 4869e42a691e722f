"""The byte-level engine of file format 3 (rnnzip 0.1's): the network presets and the `hybrid-N`
levels. Loaded only for their frames, never on the default path."""
