"""The script compiler: Python source (functions, modules, classes) to graphs."""
