from workflows.ids import share_workflow_id


def test_a_share_workflow_is_named_after_its_event():
    # The contract's format (POST /v1/profit-events answers it); everything else calls the helper.
    assert share_workflow_id("evt_1") == "share/evt_1"
