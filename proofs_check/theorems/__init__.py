"""One module per dissertation part; each exposes ``CHECKS``, a tuple of :class:`~proofs_check.records.Check`."""
