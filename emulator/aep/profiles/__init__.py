"""The AEP side of seed 000: XDM profiles, segment definitions and memberships, per org and sandbox."""
from .store import Change, Membership, ProfileError, ProfileStore, Segment

__all__ = ["Change", "Membership", "ProfileError", "ProfileStore", "Segment"]
