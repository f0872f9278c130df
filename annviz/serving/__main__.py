"""``python -m annviz.serving ROLE HOST PORT NICENESS``: a worker process (:func:`annviz.serving.processes.main`).

It runs the imported modules' code, so what the worker pickles (a TrainedMLP, a job's result)
names ``annviz.serving.…`` modules, which the server can unpickle.
"""

import sys

from annviz.serving.processes import main

if __name__ == "__main__":
    main(*sys.argv[1:])
