"""Flow Service error codes the references do not give: the emulator's choices (README "Choices")."""
from __future__ import annotations

INVALID = "1402"  # a body field that breaks its rule (or the flowSpec's JSON Schema); the report names the path
STATE_IN_BODY = "1410"  # ``state`` in a create body (SPEC AEP-FS-5)
MAPPING_VERSION = "1412"  # mappingVersion unequal to the mapping set's version (SPEC AEP-FS-5)
UNKNOWN_SPEC = "1413"  # unknown connection spec or flowSpec id
UNKNOWN_REFERENCE = "1415"  # a referenced base/source/target connection, dataset or mapping set that does not exist
INCOMPATIBLE = "1416"  # a connection whose spec the flowSpec (or the base connection) does not accept
BASE_IN_USE = "1418"  # deleting a base connection still used (SPEC AEP-ERR-1)
ACTIVE_FLOWS = "1447"  # deleting a source/target connection a flow still uses (SPEC AEP-ERR-1)
RUN_NOT_ALLOWED = "1444"  # POST /runs for a flow that is not scheduled ``once``, or disabled
BAD_ACTION = "1445"  # ``op`` of /flows/{id}/action other than enable or disable
