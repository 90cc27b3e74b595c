"""latm: large language models as tool makers."""
__version__ = "0.0.1"

class LatmError(Exception):
    "Base of latm's errors; the message says what failed and what to do"

def load_ipython_extension(ip):
    "`%load_ext latm`: register latm's magics (imported only now, so `import latm` stays light)"
    from .magics import load_ipython_extension
    load_ipython_extension(ip)

def unload_ipython_extension(ip):
    "`%unload_ext latm`: remove latm's magics"
    from .magics import unload_ipython_extension
    unload_ipython_extension(ip)
