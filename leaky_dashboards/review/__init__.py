"""The reviewer's view: a PR change report, a picture of each dashboard, generated docs."""
