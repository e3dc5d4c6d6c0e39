"""Fraud and risk activities: the share workflow's screening and the IP-list refresh.

The risk service and the IP lists they use live in services/risk, shared with the API.
"""
