"""Services: the work behind the views, with no request handling in them."""
