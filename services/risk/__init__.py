"""The risk service (one way to a risk decision) and the offline IP lists it reads."""
