"""Change control: the requirements baseline the client signed and the change requests since."""
