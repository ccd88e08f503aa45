"""Pictures of a run: sample grids, scatter plots (grids.py) and the self-contained HTML report (html.py)."""
