#version 440
// A textured rectangle: the part of the picture the view shows (HDR Studio's HDR view).
layout(location = 0) in vec2 position;  // the window's corners, -1 … 1
layout(location = 0) out vec2 uv;

layout(std140, binding = 0) uniform View {
    vec4 region;  // x0, y0, x1, y1 of the window in texture coordinates (0 … 1, y down)
    vec4 background;
};

void main()
{
    vec2 t = position * 0.5 + 0.5;  // 0 … 1, y up
    uv = vec2(mix(region.x, region.z, t.x), mix(region.w, region.y, t.y));
    gl_Position = vec4(position, 0.0, 1.0);
}
