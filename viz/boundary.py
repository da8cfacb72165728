"""The decision boundary (or regression surface) with the train and test points."""

from __future__ import annotations

import numpy as np

from viz import style


def boundary_figure(snapshot, data, height=360, max_points=600):
    axis = snapshot["grid_axis"]
    classification = snapshot["classification"]
    z = snapshot["output_map"]
    bar = dict(thickness=10, len=0.8, title=dict(text="P(class 1)" if classification
                                                 else "output", side="right"))
    traces = [dict(
        type="heatmap", x=axis, y=axis, z=z, colorscale=style.DIVERGING, opacity=0.85,
        hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<br>output %{z:.3f}<extra></extra>",
        **(dict(zmin=0, zmax=1, colorbar=bar | dict(tickformat=".1f")) if classification
           else dict(zmid=0) | style.colour_scale(z, **bar)),
    )]
    for name, X, y, marker in (
        ("train", data.X_train, data.y_train, dict(size=6, line=dict(width=0.8, color="white"))),
        ("test", data.X_test, data.y_test, dict(size=7, symbol="circle-open",
                                                 line=dict(width=1.8))),
    ):
        X, y = X[:max_points], y[:max_points]
        if classification:
            colour = np.where(y == 1, style.POSITIVE, style.NEGATIVE)
            marker = {**marker, "color": colour}
            if name == "test":
                marker["line"] = {**marker["line"], "color": colour}
        else:
            marker = {**marker, "color": y, "colorscale": style.DIVERGING, "cmid": 0}
        traces.append(dict(type="scatter", x=X[:, 0], y=X[:, 1], mode="markers", name=name,
                                 marker=marker, hovertemplate=f"{name}: %{{x:.2f}}, "
                                 "%{y:.2f}<extra></extra>"))
    lim = [float(axis[0]), float(axis[-1])]
    title = "Decision boundary" if classification else "Regression surface"
    return style.figure(traces, style.layout(
        title + " (filled: train, rings: test)", height, showlegend=False,
        xaxis=dict(range=lim, title="x₁", constrain="domain"),
        yaxis=dict(range=lim, title="x₂", scaleanchor="x")))
