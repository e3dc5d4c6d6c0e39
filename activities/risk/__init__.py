"""Fraud and risk: the risk service, the share workflow's screening, the offline IP lists."""
