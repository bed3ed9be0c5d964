"""`newswatch report`: the HTML page and the PNG chart drawn from the warehouse."""
