"""The density view's numbers (numpy, no window): the 2D shade's bilinear upsampling is scipy's zoom of order 1
without importing scipy on the GUI thread, and the 3D densities are 0..1, highest where points pile up."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import zoom

from gui.canvas import density


@pytest.mark.parametrize("shape", [(128, 128), (5, 7), (2, 2), (1, 4)])
def test_bilinear_upsampling_is_scipys_linear_zoom(shape):
    grid = np.random.default_rng(sum(shape)).random(shape)
    np.testing.assert_allclose(density._bilinear(grid, 4), zoom(grid, 4, order=1), atol=1e-12)


def test_the_shade_is_transparent_where_empty_and_opaque_where_dense():
    xy = np.random.default_rng(0).standard_normal((20000, 2)).astype(np.float32)
    grid, _, _ = density.density_image(xy)
    rgba = density.shade_rgba(grid)
    assert rgba.shape == (4 * grid.shape[0], 4 * grid.shape[1], 4) and rgba.dtype == np.uint8
    assert rgba[0, 0, 3] == 0 and rgba[..., 3].max() > 150
    centre = rgba.shape[0] // 2
    assert rgba[centre - 8:centre + 8, centre - 8:centre + 8, 3].mean() > rgba[..., 3].mean()


def test_point_densities_are_highest_where_points_pile_up():
    rng = np.random.default_rng(1)
    pos = np.concatenate([rng.normal(0, 0.05, (5000, 3)), rng.uniform(-1, 1, (5000, 3))]).astype(np.float32)
    d = density.point_density(pos)
    assert d.dtype == np.float32 and d.min() >= 0 and d.max() <= 1
    assert d[:5000].mean() > 5 * d[5000:].mean()
