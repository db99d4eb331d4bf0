"""Stage 6, trace: passages, attributions and dates -> who likely repeated whom.

Enters: documents, their sentences, passages and pairs. Leaves: :class:`Attribution` records
("Politico reported ..."), :class:`DateInfo` (publication and not-before dates), directed
:class:`Edge` records with their evidence, and the graph exports (networkx, GraphML, DOT).
"""

from provenance.trace.families import (
    Churn,
    Family,
    Member,
    Origin,
    OutletFlow,
    build_families,
    churnalism,
    outlet_flows,
)

__all__ = ["Churn", "Family", "Member", "Origin", "OutletFlow", "build_families", "churnalism",
           "outlet_flows"]
