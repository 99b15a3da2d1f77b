"""Plotting. Figures read results (Result files, verify outcomes); they never run optimizers.

Output always goes to a folder the caller names, never into the source tree.
"""
