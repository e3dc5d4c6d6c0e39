"""Search attributes of the share workflow: ids, stages, levels and dates only, never amounts."""

from temporalio.common import SearchAttributeKey

USER_ID = SearchAttributeKey.for_keyword("UserId")
SHARE_STATUS = SearchAttributeKey.for_keyword("ShareStatus")
ENFORCEMENT_LEVEL = SearchAttributeKey.for_int("EnforcementLevel")
DUE_AT = SearchAttributeKey.for_datetime("DueAt")
EXCHANGE = SearchAttributeKey.for_keyword("Exchange")
RISK_DECISION = SearchAttributeKey.for_keyword("RiskDecision")

ALL = (USER_ID, SHARE_STATUS, ENFORCEMENT_LEVEL, DUE_AT, EXCHANGE, RISK_DECISION)
