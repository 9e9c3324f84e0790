"""Fits on data that stay on a Dask cluster's workers.

The client sends small functions to the chunks of rows and gets back sufficient
statistics (p x p at most), never the rows: the squared loss's whole path and its
cross-validation then run on the client from those statistics, certified by gaps that
are exact from them. ``detect`` says whether an input is a Dask collection without
importing dask (an extra: ``pip install "shrinkage[dask]"``).
"""
