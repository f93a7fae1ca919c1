"""Adobe Experience Platform: IMS, the platform gateway and Flow Service."""
