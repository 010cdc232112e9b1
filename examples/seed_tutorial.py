import torch

import hybridjit


def fn(x):
    return torch.abs(2 * x)


# This is how you define a traced function
# Pass in both the function to be traced and an example input to ``hybridjit.trace``
traced_fn = hybridjit.trace(fn, torch.rand(()))


# This is how you define a script function
# Apply this decorator directly to the function
@hybridjit.script
def script_fn(x):
    z = torch.ones([1], dtype=torch.int64)
    for i in range(int(x)):
        z = z * (i + 1)
    return z


# This is a normal module that can be traced.
class TracedModule(torch.nn.Module):
    def forward(self, x):
        x = x.type(torch.float32)
        return torch.floor(torch.sqrt(x) / 5.0)


# This is how you define a scripted module.
# The module should inherit from ScriptModule and the forward should have the
#   script_method decorator applied to it.
class ScriptModule(hybridjit.ScriptModule):
    @hybridjit.script_method
    def forward(self, x):
        r = -x
        if int(torch.fmod(x, 2.0)) == 0.0:
            r = x / 2.0
        return r


# This is a demonstration net that calls all of the different types of
# methods and functions
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        # Modules must be attributes on the Module because if you want to trace
        # or script this Module, we must be able to inherit the submodules'
        # params.
        self.traced_module = hybridjit.trace(TracedModule(), torch.rand(()))
        self.script_module = ScriptModule()

        print("traced_fn graph", traced_fn.graph)
        print("script_fn graph", script_fn.graph)
        print("TracedModule graph", self.traced_module.__getattr__("forward").graph)
        print("ScriptModule graph", self.script_module.__getattr__("forward").graph)

    def forward(self, x):
        # Call a traced function
        x = traced_fn(x)

        # Call a script function
        x = script_fn(x)

        # Call a traced submodule
        x = self.traced_module(x)

        # Call a scripted submodule
        x = self.script_module(x)

        return x


# Instantiate this net and run it
n = Net()
print(n(torch.tensor([5])))  # 190.

n_traced = hybridjit.trace(n, torch.tensor([5]))
print("n_traced graph", n_traced.graph)
