"""What the iterates of every loss share."""


class Iterate:
    """What both losses' iterates share: a version bumped at every change of ``w``, and
    the full-gradient products cached for it, so that the last check of one alpha is
    the first of the next one along a path (one pass over X saved per alpha)."""

    version = 0
    _key = None
    _products = None
    #: whether a working-set epoch reads X (covariance mode reads the Gram matrix)
    epochs_read_x = True

    def changed(self):
        """Mark the iterate as moved: the products cached for it are stale."""
        self.version += 1

    def products(self, unpenalized):
        key = (self.version, unpenalized.tobytes())
        if self._key != key:
            self._products = self._compute_products(unpenalized)
            self._key = key
        return self._products
