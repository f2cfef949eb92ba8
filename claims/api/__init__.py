"""The REST API (an edge): thin views over services and selectors, serializers, the one
error shape, permissions and throttles, urls."""
