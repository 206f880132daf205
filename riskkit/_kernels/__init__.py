"""Compiled kernels: ndarrays and scalars in, ndarrays out; no pandas, no validation.

Kernels import only numpy, math and :mod:`riskkit._jit` (and each other).
"""
