"""The web pages (issue 14): server-rendered GOV.UK Design System pages in the same app,
each beside the JSON route it mirrors, with the same action, audit and policy."""
