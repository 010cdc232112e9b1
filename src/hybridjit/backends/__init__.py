"""Backends beyond the Python executors: `backends.onnx` (ONNX export and onnxruntime)."""
