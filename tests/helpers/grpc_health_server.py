#!/usr/bin/env python3
"""A real gRPC server (Debian's python3-grpcio, HTTP/2 by its C core) serving
grpc.health.v1.Health/Check for the grpc probe tests.

The two messages are built at run time from a FileDescriptorProto equal to
grpc/src/proto/grpc/health/v1/health.proto (the copy in tests/helpers/health.proto), so the
real protobuf library decodes what the probe sends and encodes what it reads: no generated
stubs, no protoc.

Usage: grpc_health_server.py PORT_FILE MODE [SERVICE=STATUS ...]
  MODE: serve (answer), hang (accept the call and never answer).
  SERVICE=STATUS: the status of a service name ("" for the server as a whole), STATUS one of
  SERVING, NOT_SERVING, UNKNOWN. Unknown services get grpc status NOT_FOUND, as grpc's own
  health servicer does. It listens on 127.0.0.1:$PORT (a process task's port), or on a port the
  kernel chooses when PORT is unset; the bound port is written to PORT_FILE.
Stops on SIGTERM.
"""
import os
import signal
import sys
import threading
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def health_messages():
    f = descriptor_pb2.FileDescriptorProto()
    f.name = "grpc/health/v1/health.proto"
    f.package = "grpc.health.v1"
    f.syntax = "proto3"
    req = f.message_type.add(name="HealthCheckRequest")
    req.field.add(name="service", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
                  label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    resp = f.message_type.add(name="HealthCheckResponse")
    enum = resp.enum_type.add(name="ServingStatus")
    for i, n in enumerate(["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]):
        enum.value.add(name=n, number=i)
    resp.field.add(name="status", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_ENUM,
                   type_name=".grpc.health.v1.HealthCheckResponse.ServingStatus",
                   label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    get = getattr(message_factory, "GetMessageClass", None)
    if get is None:  # protobuf < 4.21
        factory = message_factory.MessageFactory(pool)
        get = lambda d: factory.GetPrototype(d)
    return (get(pool.FindMessageTypeByName("grpc.health.v1.HealthCheckRequest")),
            get(pool.FindMessageTypeByName("grpc.health.v1.HealthCheckResponse")))


def main():
    port_file, mode = sys.argv[1], sys.argv[2]
    statuses = dict(arg.split("=", 1) for arg in sys.argv[3:])
    Request, Response = health_messages()
    stop = threading.Event()

    def check(request, context):
        if mode == "hang":
            stop.wait()
            return Response()
        if request.service not in statuses:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
        return Response(status=Response.ServingStatus.Value(statuses[request.service]))

    handler = grpc.method_handlers_generic_handler("grpc.health.v1.Health", {
        "Check": grpc.unary_unary_rpc_method_handler(
            check, request_deserializer=Request.FromString,
            response_serializer=Response.SerializeToString),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:" + os.environ.get("PORT", "0"))
    server.start()
    with open(port_file + ".tmp", "w") as out:
        out.write(str(port))
    os.rename(port_file + ".tmp", port_file)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop(0)


if __name__ == "__main__":
    main()
