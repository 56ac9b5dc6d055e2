"""Helpers of the point cloud panel: views, picking, scene arrays, colours, arrows, controls, jobs."""
