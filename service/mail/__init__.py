"""Customer e-mail: parsing what mail relays post to us, and sending replies over SMTP."""
