"""`rnnzip bench`: rnnzip against gzip, bzip2, xz, zstd, brotli and PPMd, one fresh process per run."""
