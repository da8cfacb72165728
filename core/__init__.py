"""The engine: a NumPy multilayer perceptron with every initializer and full telemetry."""
