"""Pictures of a run: sample grids, scatter plots, and (later) the HTML report."""
