"""Inbound e-mail: parse a relayed message, thread it onto a case or file a new one."""
