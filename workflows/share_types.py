"""Every share workflow type a worker runs: the one new shares start as, and the older ones
whose shares may still be open (a type is retired only when none of its shares is)."""

from __future__ import annotations

from workflows.share import ShareWorkflow
from workflows.share_v3 import ShareWorkflowV3
from workflows.share_v4 import ShareWorkflowV4

CURRENT = ShareWorkflowV4
SHARE_WORKFLOWS = (ShareWorkflow, ShareWorkflowV3, ShareWorkflowV4)
