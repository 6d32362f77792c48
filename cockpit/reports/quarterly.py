"""The quarterly talent work form (季度人才工作报表): one sheet per county and a city summary."""
