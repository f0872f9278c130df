"""annviz: the tested logic behind the lecture dashboard.

One module per concept of the lecture "Introduction to ANNs and Limitations in
Image Processing". Nothing here imports streamlit, and nothing imports
TensorFlow at module import time: Keras is imported inside the functions that
need it, so pages without Keras open instantly.
"""
