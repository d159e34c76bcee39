"""OpenClaw: a decision engine for Kubernetes incident response.

The package is layered, top to bottom (see ``.importlinter``)::

    cli / server  ->  graphs  ->  nodes  ->  providers | kube | notify | trust | approvals | runs
                                        ->  models / settings / errors
"""

__version__ = "0.1.0"
