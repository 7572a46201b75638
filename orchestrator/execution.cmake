# Execution fragment: list(APPEND ORCHESTRATOR_SRCS process_driver.cc ...)
