"""Exporters: ways of writing a hybridjit graph in another format (`export.onnx`)."""
