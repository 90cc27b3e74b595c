"""latm: large language models as tool makers."""
import re

__version__ = "0.0.1"

FIXES = {  # what fixes an error, as each surface says it; {0} is the marker's argument (e.g. a tool's name)
    'force': dict(python='force=True', terminal='--force', notebook='--force'),
    'remove': dict(python='library.remove({0!r})', terminal='latm tools rm {0}', notebook='%tools rm {0}'),
    'list': dict(python='library.list()', terminal='latm tools', notebook='%tools'),
    'problems': dict(python='library.problems', terminal='latm tools', notebook='%tools'),
    'add': dict(python='library.add()', terminal='latm make', notebook='%%maketool'),
    'edit': dict(python='library.edit({0!r}, source)', terminal='latm tools edit {0}', notebook='%tools edit {0}'),
    'flag': dict(python='library.flag({0!r}, question, right_answer)', terminal='latm tools flag {0} QUESTION ANSWER',
                 notebook='%tools flag {0} QUESTION ANSWER'),
    'split': dict(python='k_train/k_valid', terminal='--train/--valid', notebook='--train/--valid'),
    'code_calls': dict(python="calls='code'", terminal='--calls code', notebook='--calls code'),
    'transcript': dict(python='; the transcript is in `.transcript`', terminal='', notebook=''),
}
CALLS = ('code', 'function')  # how a user model may call a tool: a line of Python it writes, or a function call

_fix_re = re.compile(r'⟦(\w+)(?::([^⟧]*))?⟧')

def fix(action: str, arg: str = '') -> str:
    "A marker, in an error message, for `action` of `FIXES`: each surface says it in its own words"
    if action not in FIXES: raise KeyError(f'no fix called {action!r}: use one of {", ".join(FIXES)}')
    return f'⟦{action}:{arg}⟧' if arg else f'⟦{action}⟧'

def said(message: str, surface: str = 'python') -> str:  # 'python', 'terminal' or 'notebook'
    "`message` with each `fix` marker said as `surface` says it"
    return _fix_re.sub(lambda m: FIXES[m[1]][surface].format(m[2] or ''), message)

# The message of a latm error (its first argument) says what failed and what to do, with `fix` markers that each
# surface (Python, terminal, notebook) says in its own words.
class LatmError(Exception):
    "Base of latm's errors, said in the words of the surface showing it"
    def __str__(self): return self.said()
    def said(self, surface: str = 'python') -> str:  # 'python', 'terminal' or 'notebook'
        "The message as `surface` says it"
        return said(str(self.args[0]) if self.args else '', surface)

class LatmWarning(UserWarning):
    "A warning from latm, its advice said like `LatmError`'s in the surface's words"
    __str__, said = LatmError.__str__, LatmError.said

def load_ipython_extension(ip):
    "`%load_ext latm`: register latm's magics (imported only now, so `import latm` stays light)"
    from .magics import load_ipython_extension
    load_ipython_extension(ip)

def unload_ipython_extension(ip):
    "`%unload_ext latm`: remove latm's magics"
    from .magics import unload_ipython_extension
    unload_ipython_extension(ip)
