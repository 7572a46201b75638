# Scheduling fragment: list(APPEND ORCHESTRATOR_SRCS scheduler.cc ...)
