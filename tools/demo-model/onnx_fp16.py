"""Turns the fp32 decoder export into the float16 variant Optimum ships as onnx/model_fp16.onnx.

Weights are stored as float16 and the past/present key-value tensors and the logits are float16 at the graph
boundary, which is what a runtime loading a "fp16" model sees and has to feed. Inside, each weight and each
float16 input is cast to float32 and the arithmetic stays in float32: ONNX Runtime's CPU provider lacks float16
kernels for several of the ops used here (RMSNorm's Pow/ReduceMean, Softmax in older builds), and the model is
meant to run on CPU in the tests.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def convert(source_path, target_path):
    model = onnx.load(source_path)
    graph = model.graph
    casts = []

    new_initializers = []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            new_initializers.append(init)
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + "_fp16")
        new_initializers.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT,
                                      name=init.name + "_to_fp32"))
    del graph.initializer[:]
    graph.initializer.extend(new_initializers)

    for value in graph.input:
        if value.type.tensor_type.elem_type != TensorProto.FLOAT:
            continue
        inner = value.name + "_fp32"
        _rename_uses(graph, value.name, inner)
        value.type.tensor_type.elem_type = TensorProto.FLOAT16
        casts.append(helper.make_node("Cast", [value.name], [inner], to=TensorProto.FLOAT, name=value.name + "_to_fp32"))

    tail = []
    for value in graph.output:
        if value.type.tensor_type.elem_type != TensorProto.FLOAT:
            continue
        inner = value.name + "_fp32"
        _rename_uses(graph, value.name, inner, outputs_too=True)
        value.type.tensor_type.elem_type = TensorProto.FLOAT16
        tail.append(helper.make_node("Cast", [inner], [value.name], to=TensorProto.FLOAT16, name=value.name + "_to_fp16"))

    nodes = casts + list(graph.node) + tail
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.value_info[:]  # shapes and types are re-inferred by the runtime
    onnx.checker.check_model(model)
    onnx.save(model, target_path)


def _rename_uses(graph, old, new, outputs_too=False):
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new
        if outputs_too:
            for i, name in enumerate(node.output):
                if name == old:
                    node.output[i] = new
