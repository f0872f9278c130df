"""The class in the room: predict, vote, then run the demo; follow the lecturer's step; join by QR code.

- :mod:`annviz.classroom.questions`: the questions table, each right answer computed by its demo;
- :mod:`annviz.classroom.room`: a class's code, followed step, votes and who may steer it, all in
  the shared store (``annviz.store``) passed in;
- :mod:`annviz.classroom.plots`: the QR code and the vote histogram.
"""
