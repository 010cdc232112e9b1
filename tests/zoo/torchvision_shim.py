"""torchvision importable beside the CPU torch.

The PyPI torchvision wheel is built against the CUDA torch: beside torch 2.13.0+cpu its C
extension (`torchvision._C`) does not load, and `import torchvision` then fails on
`torch.library.register_fake("torchvision::nms")` (the op does not exist). torchvision's
models are plain Python, so this module — written for this project's tests, not taken from
torchvision — defines the `torchvision::` operators the models call (the schemas of
torchvision's C++ sources) through `torch.library`, with small CPU reference kernels in
Python, and then imports torchvision. Import `torchvision` through `import_torchvision()`.

Kernels: `nms` (greedy, highest score first, as torchvision's CPU kernel), `roi_align`
(bilinear samples averaged per bin, with the edge rule of torchvision's C++ kernel),
`roi_pool` and `ps_roi_*` (max/average over each bin), `deform_conv2d` (bilinear sampling,
then a grouped matmul), `box_iou_rotated` (the boxes' polygons clipped against each other).
They aim at correctness on small inputs, not speed; none of them has a backward.
"""

from __future__ import annotations

import importlib
import math
from types import ModuleType

import torch

_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "roi_align": "roi_align(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, "
    "SymInt pooled_width, int sampling_ratio, bool aligned) -> Tensor",
    "roi_pool": "roi_pool(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, "
    "SymInt pooled_width) -> (Tensor, Tensor)",
    "ps_roi_align": "ps_roi_align(Tensor input, Tensor rois, float spatial_scale, "
    "SymInt pooled_height, SymInt pooled_width, int sampling_ratio) -> (Tensor, Tensor)",
    "ps_roi_pool": "ps_roi_pool(Tensor input, Tensor rois, float spatial_scale, "
    "SymInt pooled_height, SymInt pooled_width) -> (Tensor, Tensor)",
    "deform_conv2d": "deform_conv2d(Tensor input, Tensor weight, Tensor offset, Tensor mask, "
    "Tensor bias, SymInt stride_h, SymInt stride_w, SymInt pad_h, SymInt pad_w, "
    "SymInt dilation_h, SymInt dilation_w, SymInt groups, SymInt offset_groups, bool use_mask) "
    "-> Tensor",
    "box_iou_rotated": "box_iou_rotated(Tensor boxes1, Tensor boxes2) -> Tensor",
    "_cuda_version": "_cuda_version() -> int",
}

_LIBRARY: torch.library.Library | None = None


def nms(dets: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Indices of the boxes kept, by decreasing score: a box is dropped when its IoU with a
    kept, higher-scoring box exceeds `iou_threshold`."""
    if dets.numel() == 0:
        return torch.empty(0, dtype=torch.long, device=dets.device)
    x1, y1, x2, y2 = dets.unbind(1)
    areas = (x2 - x1) * (y2 - y1)
    order = scores.argsort(descending=True, stable=True)
    suppressed = torch.zeros(dets.size(0), dtype=torch.bool)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        w = (torch.minimum(x2[i], x2) - torch.maximum(x1[i], x1)).clamp(min=0)
        h = (torch.minimum(y2[i], y2) - torch.maximum(y1[i], y1)).clamp(min=0)
        inter = w * h
        suppressed |= inter / (areas[i] + areas - inter) > iou_threshold
    return torch.tensor(keep, dtype=torch.long, device=dets.device)


def roi_align(input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned):
    """Each bin the average of a grid of bilinear samples (torchvision's RoIAlign)."""
    out = input.new_zeros(rois.size(0), input.size(1), pooled_height, pooled_width)
    offset = 0.5 if aligned else 0.0
    for r, roi in enumerate(rois.tolist()):
        x1, y1, x2, y2 = (v * spatial_scale - offset for v in roi[1:])
        ys = _sample_positions(y1, y2 - y1, pooled_height, sampling_ratio, aligned, input.dtype)
        xs = _sample_positions(x1, x2 - x1, pooled_width, sampling_ratio, aligned, input.dtype)
        if ys.numel() and xs.numel():
            y, x = ys.view(*ys.shape, 1, 1), xs.view(1, 1, *xs.shape)
            y, x = torch.broadcast_tensors(y, x)
            out[r] = _roi_bilinear(input[int(roi[0])], y, x).mean((2, 4))
    return out


def _sample_positions(start, extent, bins, sampling_ratio, aligned, dtype):
    """(bins, grid) positions: a grid of samples at the centres of equal parts of each bin."""
    extent = extent if aligned else max(extent, 1.0)
    size = extent / bins
    grid = sampling_ratio if sampling_ratio > 0 else math.ceil(extent / bins)
    bin_starts = torch.arange(bins, dtype=dtype).view(-1, 1) * size
    return start + bin_starts + (torch.arange(grid, dtype=dtype) + 0.5) * size / grid


def _roi_bilinear(image, y, x):
    """`image` (C, H, W) at float positions `y`, `x`, with RoIAlign's edge rule: a sample more
    than a pixel outside is 0, one nearer is clamped onto the border."""
    c, h, w = image.shape
    outside = (y < -1) | (y > h) | (x < -1) | (x > w)
    y, x = y.clamp(min=0), x.clamp(min=0)
    y0, x0 = y.floor().long().clamp(max=h - 1), x.floor().long().clamp(max=w - 1)
    y = torch.where(y0 >= h - 1, y0.to(y.dtype), y)
    x = torch.where(x0 >= w - 1, x0.to(x.dtype), x)
    y1, x1 = (y0 + 1).clamp(max=h - 1), (x0 + 1).clamp(max=w - 1)
    ly, lx = y - y0, x - x0
    hy, hx = 1 - ly, 1 - lx
    value = (hy * hx * image[:, y0, x0] + hy * lx * image[:, y0, x1]
             + ly * hx * image[:, y1, x0] + ly * lx * image[:, y1, x1])  # fmt: skip
    return value * ~outside


def _bins(rois, spatial_scale, ph, pw, height, width, rounded):
    """Per roi, the (y0, y1, x0, x1) integer bin bounds of a ph x pw grid."""
    out = []
    for roi in rois.tolist():
        b, coords = int(roi[0]), [c * spatial_scale for c in roi[1:]]
        if rounded:
            coords = [float(round(c)) for c in coords]
        x1, y1, x2, y2 = coords
        rh, rw = max(y2 - y1 + rounded, 1.0), max(x2 - x1 + rounded, 1.0)
        cells = []
        for i in range(ph):
            for j in range(pw):
                ya = min(max(math.floor(y1 + i * rh / ph), 0), height)
                yb = min(max(math.ceil(y1 + (i + 1) * rh / ph), 0), height)
                xa = min(max(math.floor(x1 + j * rw / pw), 0), width)
                xb = min(max(math.ceil(x1 + (j + 1) * rw / pw), 0), width)
                cells.append((i, j, ya, yb, xa, xb))
        out.append((b, cells))
    return out


def roi_pool(input, rois, spatial_scale, pooled_height, pooled_width):
    n, c, h, w = input.shape
    output = input.new_zeros(rois.size(0), c, pooled_height, pooled_width)
    argmax = torch.full(output.shape, -1, dtype=torch.long)
    for r, (b, cells) in enumerate(
        _bins(rois, spatial_scale, pooled_height, pooled_width, h, w, True)
    ):
        for i, j, ya, yb, xa, xb in cells:
            if yb > ya and xb > xa:
                patch = input[b, :, ya:yb, xa:xb].reshape(c, -1)
                value, index = patch.max(1)
                output[r, :, i, j] = value
                argmax[r, :, i, j] = (ya + index // (xb - xa)) * w + xa + index % (xb - xa)
    return output, argmax


def _ps_roi(input, rois, spatial_scale, pooled_height, pooled_width, rounded):
    n, c, h, w = input.shape
    out_c = c // (pooled_height * pooled_width)
    output = input.new_zeros(rois.size(0), out_c, pooled_height, pooled_width)
    mapping = torch.zeros(output.shape, dtype=torch.long)
    for r, (b, cells) in enumerate(
        _bins(rois, spatial_scale, pooled_height, pooled_width, h, w, rounded)
    ):
        for i, j, ya, yb, xa, xb in cells:
            channels = torch.arange(out_c) * pooled_height * pooled_width + i * pooled_width + j
            if yb > ya and xb > xa:
                output[r, :, i, j] = input[b, channels, ya:yb, xa:xb].mean((1, 2))
            mapping[r, :, i, j] = channels
    return output, mapping


def ps_roi_pool(input, rois, spatial_scale, pooled_height, pooled_width):
    return _ps_roi(input, rois, spatial_scale, pooled_height, pooled_width, True)


def ps_roi_align(input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio):
    return _ps_roi(input, rois, spatial_scale, pooled_height, pooled_width, False)


def _bilinear(image, y, x):
    """`image` (C, H, W) sampled at float positions `y`, `x` (same shape), zero outside."""
    c, h, w = image.shape
    y0, x0 = y.floor(), x.floor()
    out = image.new_zeros((c, *y.shape))
    for dy in (0, 1):
        for dx in (0, 1):
            yy, xx = y0 + dy, x0 + dx
            weight = (1 - (y - yy).abs()) * (1 - (x - xx).abs())
            inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            yi, xi = yy.clamp(0, h - 1).long(), xx.clamp(0, w - 1).long()
            out += image[:, yi, xi] * (weight * inside)
    return out


def deform_conv2d(input, weight, offset, mask, bias, stride_h, stride_w, pad_h, pad_w,
                  dilation_h, dilation_w, groups, offset_groups, use_mask):  # fmt: skip
    n, c, h, w = input.shape
    out_c, _, kh, kw = weight.shape
    oh, ow = offset.shape[2], offset.shape[3]
    base_y = (torch.arange(oh) * stride_h - pad_h).view(1, oh, 1) + (
        torch.arange(kh) * dilation_h
    ).repeat_interleave(kw).view(-1, 1, 1)
    base_x = (torch.arange(ow) * stride_w - pad_w).view(1, 1, ow) + (
        torch.arange(kw) * dilation_w
    ).repeat(kh).view(-1, 1, 1)
    per_group = c // offset_groups
    columns = []
    for b in range(n):
        parts = []
        for g in range(offset_groups):
            off = offset[b, g * 2 * kh * kw : (g + 1) * 2 * kh * kw].view(kh * kw, 2, oh, ow)
            y, x = base_y + off[:, 0], base_x + off[:, 1]
            sampled = _bilinear(input[b, g * per_group : (g + 1) * per_group], y, x)
            if use_mask:
                sampled = sampled * mask[b, g * kh * kw : (g + 1) * kh * kw].unsqueeze(0)
            parts.append(sampled)
        columns.append(torch.cat(parts))  # (C, kh*kw, oh, ow)
    cols = torch.stack(columns).view(n, groups, c // groups * kh * kw, oh * ow)
    wg = weight.view(groups, out_c // groups, -1)
    out = torch.einsum("gok,ngkp->ngop", wg, cols).reshape(n, out_c, oh, ow)
    return out + bias.view(1, -1, 1, 1)


def box_iou_rotated(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """IoU of (cx, cy, w, h, angle in degrees) boxes: the area of one box's polygon clipped
    by the other's (Sutherland-Hodgman; both are convex)."""
    polygons1, polygons2 = map(_corners, boxes1.tolist()), list(map(_corners, boxes2.tolist()))
    rows = []
    for a in polygons1:
        row = []
        for b in polygons2:
            inter = _area(_clip(a, b))
            union = _area(a) + _area(b) - inter
            row.append(inter / union if union > 0 else 0.0)
        rows.append(row)
    return torch.tensor(rows, dtype=boxes1.dtype).reshape(len(boxes1), len(boxes2))


def _corners(box: list[float]) -> list[tuple[float, float]]:
    cx, cy, w, h, angle = box
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    half = ((w / 2, h / 2), (-w / 2, h / 2), (-w / 2, -h / 2), (w / 2, -h / 2))
    return [(cx + dx * c - dy * s, cy + dx * s + dy * c) for dx, dy in half]


def _clip(subject: list[tuple[float, float]], clip: list[tuple[float, float]]
          ) -> list[tuple[float, float]]:  # fmt: skip
    def inside(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> bool:
        return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) >= 0

    def crossing(p, q, a, b):  # noqa: ANN001, ANN202 — points
        d1, d2 = (q[0] - p[0], q[1] - p[1]), (b[0] - a[0], b[1] - a[1])
        t = ((a[0] - p[0]) * d2[1] - (a[1] - p[1]) * d2[0]) / (d1[0] * d2[1] - d1[1] * d2[0])
        return (p[0] + t * d1[0], p[1] + t * d1[1])

    out = subject
    for a, b in zip(clip, clip[1:] + clip[:1]):
        points, out = out, []
        for p, q in zip(points, points[1:] + points[:1]):
            if inside(q, a, b):
                if not inside(p, a, b):
                    out.append(crossing(p, q, a, b))
                out.append(q)
            elif inside(p, a, b):
                out.append(crossing(p, q, a, b))
        if not out:
            break
    return out


def _area(polygon: list[tuple[float, float]]) -> float:
    pairs = zip(polygon, polygon[1:] + polygon[:1])
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairs)) / 2


def _cuda_version() -> int:
    return -1


def register_ops() -> None:
    """Define the `torchvision::` operators with CPU kernels (once per process)."""
    global _LIBRARY
    if _LIBRARY is not None or hasattr(torch.ops.torchvision, "nms"):
        return
    _LIBRARY = torch.library.Library("torchvision", "DEF")
    kernels = globals()
    for name, schema in _SCHEMAS.items():
        _LIBRARY.define(schema)
        kernel = nms if name == "qnms" else kernels[name]
        _LIBRARY.impl(name, kernel, "CompositeExplicitAutograd")


def _has_ops() -> bool:
    return True


def import_torchvision() -> ModuleType:
    """`torchvision`, imported after `register_ops()`, with its "C++ ops loaded" check on."""
    register_ops()
    import torchvision  # noqa: PLC0415 — only after the ops exist
    import torchvision.extension  # noqa: PLC0415

    # The ops modules import `_has_ops` by name; without ops they fall back to compiling
    # Python references with torch.compile.
    for module in (torchvision.extension, *_ops_modules()):
        module._has_ops = _has_ops
    return torchvision


def _ops_modules() -> list[ModuleType]:
    # (`torchvision.ops.roi_align` as an attribute is the function, not the module.)
    names = ("roi_align", "roi_pool", "ps_roi_align", "ps_roi_pool", "deform_conv", "boxes")
    return [importlib.import_module(f"torchvision.ops.{name}") for name in names]
